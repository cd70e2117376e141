-- wrk script of bench/run.sh: POSTs signed push deliveries to the webhook.
--
-- RBM_BENCH_DELIVERIES names a file written by `examples/signed_payload.rs`:
-- one delivery a line, "<X-Goog-Signature>\t<envelope JSON>". With one line,
-- wrk sends that request again and again (its fast path, no Lua per request);
-- with several, they go round-robin, each prepared once at start-up.
--
-- done() prints one line that run.sh reads:
--   RESULT requests=N duration_us=N p50_us=N p99_us=N non2xx=N socket_errors=N

local file = os.getenv("RBM_BENCH_DELIVERIES")
if file == nil or file == "" then
   error("set RBM_BENCH_DELIVERIES to a file written by the signed_payload example")
end

local prepared = {}
for line in io.lines(file) do
   local signature, body = line:match("^([^\t]+)\t(.+)$")
   if signature == nil then
      error("not a '<signature>\\t<body>' line in " .. file)
   end
   prepared[#prepared + 1] = { signature = signature, body = body }
end
if #prepared == 0 then
   error(file .. " holds no delivery")
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

if #prepared == 1 then
   wrk.body = prepared[1].body
   wrk.headers["X-Goog-Signature"] = prepared[1].signature
else
   local raw = {}
   for i, delivery in ipairs(prepared) do
      -- wrk.format takes these headers instead of wrk.headers, not on top.
      local headers = {
         ["Content-Type"] = "application/json",
         ["X-Goog-Signature"] = delivery.signature,
      }
      raw[i] = wrk.format(nil, nil, headers, delivery.body)
   end
   prepared = nil
   local position = 0
   function request()
      position = position % #raw + 1
      return raw[position]
   end
end

function done(summary, latency, _)
   local errors = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(99),
      errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
