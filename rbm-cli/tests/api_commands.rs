//! The RBM API commands (`rbm capability`, `reachable`, `tester invite`,
//! `upload`, `send-message`, `campaign`) run as a user runs them, against
//! the fake RBM API over real HTTP, with the settings the server reads.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use std::io::Read as _;

use rbm_runtime::testing::fake_api::{FakeRbmApi, FileContent, RecordedRequest};
use support::{Running, text};

const AGENT: &str = "cli-test@rbm.goog";
const PHONE: &str = "+12223334444";

/// A fake RBM API and a key file for it, in a temporary directory that
/// also holds the campaign's store and number lists.
struct Api {
    fake: FakeRbmApi,
    dir: tempfile::TempDir,
    key_file: PathBuf,
}

impl Api {
    async fn start() -> Self {
        let fake = FakeRbmApi::start().await.expect("the fake starts");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let key_file = dir.path().join("key.json");
        fake.write_key_file(&key_file).expect("the key file");
        Self {
            fake,
            dir,
            key_file,
        }
    }

    /// `rbm` with the server's settings pointing at the fake, and nothing
    /// else of this machine's (no gcloud, no store setting) to find.
    fn command(&self) -> Command {
        let mut command = support::rbm();
        for var in [
            "RBM_STORE",
            "RBM_REDIS_PREFIX",
            "RBM_MESSAGE_TRAFFIC_TYPE",
            "GCE_METADATA_HOST",
            "K_SERVICE",
            "CLOUD_RUN_JOB",
            "GAE_SERVICE",
        ] {
            command.env_remove(var);
        }
        command
            .env("HOME", self.dir.path())
            .env("CLOUDSDK_CONFIG", self.dir.path().join("gcloud"))
            .env("GOOGLE_APPLICATION_CREDENTIALS", &self.key_file)
            .env("RBM_API_BASE_URL", self.fake.base_url())
            .env("RBM_AGENT_ID", AGENT)
            .current_dir(self.dir.path());
        command
    }

    /// Runs `rbm args…` to completion, with `stdin` as its input.
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_with(args, stdin, |_| {})
    }

    /// Like [`run`](Self::run), with the command changed by `change` first.
    fn run_with(&self, args: &[&str], stdin: &str, change: impl FnOnce(&mut Command)) -> Output {
        let mut command = self.command();
        change(&mut command);
        support::run_with(args, stdin, move |fresh| *fresh = command)
    }

    /// A file of the temporary directory holding `lines`.
    fn file(&self, name: &str, lines: &[String]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, lines.join("\n")).expect("the file is written");
        path
    }

    /// The agent messages the fake took (200), by recipient.
    fn accepted_by_phone(&self) -> BTreeMap<String, Vec<String>> {
        let mut by_phone: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for request in self.fake.requests() {
            if let Some((phone, id)) = accepted_message(&request) {
                by_phone.entry(phone).or_default().push(id);
            }
        }
        by_phone
    }
}

/// The recipient and id of an `agentMessages.create` the fake answered 200.
fn accepted_message(request: &RecordedRequest) -> Option<(String, String)> {
    let phone = request
        .path
        .strip_prefix("/v1/phones/")?
        .strip_suffix("/agentMessages")?;
    let id = request.query_param("messageId")?;
    (request.method == "POST" && request.status == 200).then(|| (phone.to_owned(), id.to_owned()))
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

fn stdout(output: &Output) -> String {
    text(&output.stdout)
}

fn stderr(output: &Output) -> String {
    text(&output.stderr)
}

/// `count` distinct US numbers.
fn numbers(count: usize) -> Vec<String> {
    (0..count).map(|n| format!("+1555010{n:04}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capability_says_reachable_or_not_with_the_exit_code() {
    let api = Api::start().await;
    api.fake
        .set_features(PHONE, ["RICHCARD_CAROUSEL", "ACTION_DIAL"]);
    let reachable = api.run(&["capability", PHONE], "");
    assert_eq!(code(&reachable), Some(0), "{}", stderr(&reachable));
    assert_eq!(
        stdout(&reachable),
        format!("{PHONE}: reachable\nRICHCARD_CAROUSEL\nACTION_DIAL\n")
    );
    let agents: HashSet<String> = api
        .fake
        .requests()
        .iter()
        .filter_map(|r| r.query_param("agentId").map(str::to_owned))
        .collect();
    assert_eq!(agents, HashSet::from([AGENT.to_owned()]));

    api.fake.set_unreachable([PHONE]);
    let not = api.run(&["capability", PHONE], "");
    assert_eq!(code(&not), Some(1), "{}", stderr(&not));
    assert!(stdout(&not).starts_with(&format!("{PHONE}: not reachable")));

    let invalid = api.run(&["capability", "12345"], "");
    assert_eq!(code(&invalid), Some(1));
    assert!(
        stderr(&invalid).starts_with("rbm: invalid input:"),
        "{}",
        stderr(&invalid)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_agent_or_credentials_the_settings_to_set_are_named() {
    let api = Api::start().await;
    let no_agent = api.run_with(&["capability", PHONE], "", |c| {
        c.env_remove("RBM_AGENT_ID");
    });
    assert_eq!(code(&no_agent), Some(2));
    assert!(
        stderr(&no_agent).contains("set RBM_AGENT_ID or give --agent-id"),
        "{}",
        stderr(&no_agent)
    );
    let with_flag = api.run_with(
        &["capability", PHONE, "--agent-id", "other@rbm.goog"],
        "",
        |c| {
            c.env_remove("RBM_AGENT_ID");
        },
    );
    assert_eq!(code(&with_flag), Some(0), "{}", stderr(&with_flag));
    let last = api.fake.requests().pop().expect("a request");
    assert_eq!(last.query_param("agentId"), Some("other@rbm.goog"));

    let no_credentials = api.run_with(&["capability", PHONE], "", |c| {
        c.env_remove("GOOGLE_APPLICATION_CREDENTIALS");
    });
    assert_eq!(code(&no_credentials), Some(2));
    let said = stderr(&no_credentials);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.contains("set GOOGLE_APPLICATION_CREDENTIALS"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refusing_is_one_line_that_says_why() {
    let api = Api::start().await;
    api.fake.fail_always(403);
    let denied = api.run(&["send-message", PHONE, "--text", "hi"], "");
    assert_eq!(code(&denied), Some(1));
    assert!(
        stderr(&denied).starts_with("rbm: permission denied (403): the number is not a tester"),
        "{}",
        stderr(&denied)
    );
    assert_eq!(stderr(&denied).lines().count(), 1);
    api.fake.stop_failing();

    api.fake.set_unreachable([PHONE]);
    let unreachable = api.run(&["send-message", PHONE, "--text", "hi"], "");
    assert_eq!(code(&unreachable), Some(1));
    assert!(
        stderr(&unreachable).starts_with("rbm: not reachable (404)"),
        "{}",
        stderr(&unreachable)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reachable_prints_the_reachable_numbers_and_a_summary() {
    let api = Api::start().await;
    let all = numbers(5);
    api.fake.set_unreachable([all[1].clone(), all[3].clone()]);
    let input = format!(
        "# customers\n{}\n{}\nnot-a-number\n{}\n\n{}\n{}\n{}\n",
        all[0], all[1], all[2], all[3], all[4], all[0]
    );
    let output = api.run(&["reachable", "-"], &input);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("{}\n{}\n{}\n", all[0], all[2], all[4])
    );
    let summary = stderr(&output);
    assert!(summary.starts_with("3 of 5 numbers reachable"), "{summary}");
    assert!(
        summary.contains("line 4 is not an E.164 number (skipped)"),
        "{summary}"
    );

    let missing = api.run(&["reachable", "no-such-file"], "");
    assert_eq!(code(&missing), Some(1));
    assert!(
        stderr(&missing).starts_with("rbm: cannot read no-such-file"),
        "{}",
        stderr(&missing)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tester_invite_prints_the_status_and_the_quota_is_named() {
    let api = Api::start().await;
    let invited = api.run(&["tester", "invite", PHONE], "");
    assert_eq!(code(&invited), Some(0), "{}", stderr(&invited));
    assert_eq!(stdout(&invited), "PENDING\n");
    let testers = api.fake.testers();
    assert_eq!(testers.len(), 1);
    assert_eq!(testers[0].agent_id, AGENT);

    api.fake.set_tester_invite_limits(0, 0);
    let quota = api.run(&["tester", "invite", "+12223335555"], "");
    assert_eq!(code(&quota), Some(1));
    assert!(
        stderr(&quota).starts_with("rbm: quota exceeded (429)"),
        "{}",
        stderr(&quota)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_sends_a_path_as_bytes_and_a_url_by_url() {
    let api = Api::start().await;
    let image = api.dir.path().join("logo.png");
    std::fs::write(&image, b"\x89PNG\r\n\x1a\nnot really").expect("the image");
    let path = image.to_str().expect("a UTF-8 path");
    let uploaded = api.run(&["upload", path, "--description", "Our logo"], "");
    assert_eq!(code(&uploaded), Some(0), "{}", stderr(&uploaded));
    let files = api.fake.files();
    assert_eq!(files.len(), 1);
    assert_eq!(stdout(&uploaded), format!("{}\n", files[0].name));
    assert!(
        matches!(&files[0].content, FileContent::Uploaded { content_type, .. } if content_type == "image/png"),
        "{:?}",
        files[0].content
    );
    assert_eq!(files[0].content_description.as_deref(), Some("Our logo"));

    let by_url = api.run(
        &[
            "upload",
            "https://example.com/video.mp4",
            "--thumbnail",
            "https://example.com/thumb.jpg",
        ],
        "",
    );
    assert_eq!(code(&by_url), Some(0), "{}", stderr(&by_url));
    let files = api.fake.files();
    assert_eq!(files.len(), 2);
    assert_eq!(stdout(&by_url), format!("{}\n", files[1].name));
    assert_eq!(
        files[1].content,
        FileContent::Url("https://example.com/video.mp4".to_owned())
    );
    assert_eq!(
        files[1].thumbnail_url.as_deref(),
        Some("https://example.com/thumb.jpg")
    );

    let unknown = api.dir.path().join("notes");
    std::fs::write(&unknown, b"x").expect("the file");
    let unknown = unknown.to_str().expect("a UTF-8 path");
    let guessed = api.run(&["upload", unknown], "");
    assert_eq!(code(&guessed), Some(2));
    assert!(stderr(&guessed).contains("give --content-type"));
    let refused = api.run(&["upload", unknown, "--content-type", "text/html"], "");
    assert_eq!(code(&refused), Some(1));
    assert!(
        stderr(&refused).starts_with("rbm: invalid input: the content type \"text/html\""),
        "{}",
        stderr(&refused)
    );
    assert_eq!(api.fake.files().len(), 2, "nothing more was uploaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_message_prints_the_id_and_a_key_sends_once() {
    let api = Api::start().await;
    let first = api.run(
        &[
            "send-message",
            PHONE,
            "--text",
            "Your order shipped",
            "--key",
            "order-1",
        ],
        "",
    );
    assert_eq!(code(&first), Some(0), "{}", stderr(&first));
    let accepted = api.accepted_by_phone();
    let ids = &accepted[PHONE];
    assert_eq!(ids.len(), 1);
    let shown = stdout(&first);
    assert!(
        shown.starts_with(&format!("message id: {}\nsent at: ", ids[0])),
        "{shown}"
    );

    let again = api.run(
        &[
            "send-message",
            PHONE,
            "--text",
            "Your order shipped",
            "--key",
            "order-1",
        ],
        "",
    );
    assert_eq!(code(&again), Some(0), "{}", stderr(&again));
    assert_eq!(
        stdout(&again),
        format!(
            "message id: {}\nalready sent: the platform had this message id (same --key), not sent again\n",
            ids[0]
        )
    );
    assert_eq!(api.accepted_by_phone()[PHONE].len(), 1);

    let file = api.run(
        &[
            "send-message",
            PHONE,
            "--file-url",
            "https://example.com/a.jpg",
        ],
        "",
    );
    assert_eq!(code(&file), Some(0), "{}", stderr(&file));
    let body = api
        .fake
        .requests()
        .pop()
        .and_then(|r| r.body)
        .expect("a body");
    assert_eq!(
        body["contentMessage"]["contentInfo"]["fileUrl"],
        "https://example.com/a.jpg"
    );

    let usage = api.run(
        &[
            "send-message",
            PHONE,
            "--text",
            "a",
            "--file-url",
            "https://x/a.jpg",
        ],
        "",
    );
    assert_eq!(code(&usage), Some(2));
    let empty = api.run(&["send-message", PHONE, "--text", ""], "");
    assert_eq!(code(&empty), Some(1));
    assert!(
        stderr(&empty).starts_with("rbm: invalid message:"),
        "{}",
        stderr(&empty)
    );
}

/// Waits until the fake took `count` agent messages (or panics after 30 s).
async fn wait_for_messages(api: &Api, count: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while api.fake.stats().agent_messages < count {
        assert!(Instant::now() < deadline, "the campaign is stuck");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `rbm campaign` on `list` in the background.
fn start_campaign(api: &Api, list: &Path, rate: &str) -> Running {
    let mut command = api.command();
    command
        .args(["campaign", list.to_str().expect("a UTF-8 path")])
        .args(["--text", "Spring sale", "--name", "spring", "--rate", rate])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Running(command.spawn().expect("rbm starts"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_campaign_resumes_and_sends_each_number_once() {
    let api = Api::start().await;
    let all = numbers(300);
    let unreachable: Vec<String> = all.iter().step_by(10).cloned().collect();
    api.fake.set_unreachable(unreachable.clone());
    let mut lines = all.clone();
    lines.insert(5, "not-a-number".to_owned());
    let list = api.file("numbers.txt", &lines);

    // Ctrl-C: the command stops at once, says how far it got and keeps it.
    let mut first = start_campaign(&api, &list, "100");
    wait_for_messages(&api, 40).await;
    let pid = first.0.id().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status();
    assert!(sent.is_ok_and(|status| status.success()));
    let status = first.0.wait().expect("rbm ends");
    let mut said = String::new();
    first
        .0
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut said)
        .expect("its stderr");
    assert_eq!(status.code(), Some(130), "{said}");
    assert!(said.contains("so far: "), "{said}");
    assert!(said.contains("stopped by SIGINT"), "{said}");
    let after_first = api.fake.stats().agent_messages;
    assert!(after_first < 270, "the campaign went on after Ctrl-C");

    // Killed outright: sends in flight may have been taken but not recorded.
    let mut second = start_campaign(&api, &list, "100");
    wait_for_messages(&api, after_first + 40).await;
    second.0.kill().expect("rbm killed");
    let _ = second.0.wait();
    assert!(api.fake.stats().agent_messages < 270);

    // Resumed to the end.
    let last = api.run(
        &[
            "campaign",
            list.to_str().expect("a UTF-8 path"),
            "--text",
            "Spring sale",
            "--name",
            "spring",
            "--unlimited",
        ],
        "",
    );
    assert_eq!(code(&last), Some(0), "{}", stderr(&last));
    let summary = stdout(&last);
    assert!(
        summary.starts_with("270 sent, 30 not reachable, 0 failed of 300 numbers ("),
        "{summary}"
    );
    assert!(
        summary.contains("line 6 is not an E.164 number (skipped)"),
        "{summary}"
    );

    let accepted = api.accepted_by_phone();
    let unreachable: HashSet<&String> = unreachable.iter().collect();
    for number in &all {
        let taken = accepted.get(number).map_or(0, Vec::len);
        let expected = usize::from(!unreachable.contains(number));
        assert_eq!(taken, expected, "{number} got {taken} messages");
    }
    let ids: HashSet<&String> = accepted.values().flatten().collect();
    assert_eq!(ids.len(), 270, "one message id per number");

    // The same campaign again sends nothing more.
    let again = api.run(
        &[
            "campaign",
            list.to_str().expect("a UTF-8 path"),
            "--text",
            "Spring sale",
            "--name",
            "spring",
        ],
        "",
    );
    assert_eq!(code(&again), Some(0), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("(300 done in an earlier run)"),
        "{}",
        stdout(&again)
    );
    assert_eq!(api.fake.stats().agent_messages, 270);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_lists_why_numbers_failed_and_checks_its_options() {
    let api = Api::start().await;
    let list = api.file("few.txt", &numbers(3));
    let list = list.to_str().expect("a UTF-8 path");
    let bad_name = api.run(&["campaign", list, "--text", "x", "--name", "a b"], "");
    assert_eq!(code(&bad_name), Some(2));
    assert!(
        stderr(&bad_name).starts_with("rbm: --name: the campaign name"),
        "{}",
        stderr(&bad_name)
    );
    let both = api.run(
        &[
            "campaign",
            list,
            "--text",
            "x",
            "--name",
            "n",
            "--rate",
            "5",
            "--unlimited",
        ],
        "",
    );
    assert_eq!(code(&both), Some(2));
    let memory = api.run(
        &[
            "campaign", list, "--text", "x", "--name", "n", "--store", "memory",
        ],
        "",
    );
    assert_eq!(code(&memory), Some(2));

    // A file the platform does not hold: every send is refused for good.
    let failed = api.run(
        &[
            "campaign",
            list,
            "--uploaded-file",
            "files/missing",
            "--name",
            "files",
            "--no-precheck",
        ],
        "",
    );
    assert_eq!(code(&failed), Some(1), "{}", stderr(&failed));
    let summary = stdout(&failed);
    assert!(
        summary.starts_with("0 sent, 0 not reachable, 3 failed of 3 numbers"),
        "{summary}"
    );
    assert!(summary.contains("  failed 3: "), "{summary}");
    assert!(summary.contains("files/missing was not found"), "{summary}");
    // The default store was created where the server would create it.
    assert!(api.dir.path().join("rbm-data/rbm.sqlite3").exists());
}
