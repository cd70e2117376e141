//! A bot of 201 routes, for measuring dispatch as a bot grows: 50 texts with
//! `ignore_case`, 50 regexes with a typed capture, 50 postback templates, 50
//! prefixes and a fallback. Served like `echo.rs` (same settings).
//!
//! ```sh
//! RBM_CLIENT_TOKEN=secret PORT=8080 cargo run --release --example many_routes
//! ```
//!
//! Texts that take each kind of route (the last one of each kind is the
//! slowest to reach when routes are tried one after another):
//! `KEYWORD 49` (a text), `49 apples` (a regex), `/p49 now` (a prefix),
//! postback `t49:7` (a template), and `hello` (no route: the fallback).
//! The routes are written out, not generated, so that what is measured is
//! what a hand-written bot of this size compiles to.

use rbm_runtime::prelude::*;

/// Answers each route with a short text naming it.
pub struct ManyRoutes;

#[rbm_agent]
impl ManyRoutes {
    /// Keyword 00.
    #[on_message(text = "keyword 00", ignore_case)]
    async fn keyword_00(&self) -> Reply {
        Reply::text("keyword 00")
    }

    /// Keyword 01.
    #[on_message(text = "keyword 01", ignore_case)]
    async fn keyword_01(&self) -> Reply {
        Reply::text("keyword 01")
    }

    /// Keyword 02.
    #[on_message(text = "keyword 02", ignore_case)]
    async fn keyword_02(&self) -> Reply {
        Reply::text("keyword 02")
    }

    /// Keyword 03.
    #[on_message(text = "keyword 03", ignore_case)]
    async fn keyword_03(&self) -> Reply {
        Reply::text("keyword 03")
    }

    /// Keyword 04.
    #[on_message(text = "keyword 04", ignore_case)]
    async fn keyword_04(&self) -> Reply {
        Reply::text("keyword 04")
    }

    /// Keyword 05.
    #[on_message(text = "keyword 05", ignore_case)]
    async fn keyword_05(&self) -> Reply {
        Reply::text("keyword 05")
    }

    /// Keyword 06.
    #[on_message(text = "keyword 06", ignore_case)]
    async fn keyword_06(&self) -> Reply {
        Reply::text("keyword 06")
    }

    /// Keyword 07.
    #[on_message(text = "keyword 07", ignore_case)]
    async fn keyword_07(&self) -> Reply {
        Reply::text("keyword 07")
    }

    /// Keyword 08.
    #[on_message(text = "keyword 08", ignore_case)]
    async fn keyword_08(&self) -> Reply {
        Reply::text("keyword 08")
    }

    /// Keyword 09.
    #[on_message(text = "keyword 09", ignore_case)]
    async fn keyword_09(&self) -> Reply {
        Reply::text("keyword 09")
    }

    /// Keyword 10.
    #[on_message(text = "keyword 10", ignore_case)]
    async fn keyword_10(&self) -> Reply {
        Reply::text("keyword 10")
    }

    /// Keyword 11.
    #[on_message(text = "keyword 11", ignore_case)]
    async fn keyword_11(&self) -> Reply {
        Reply::text("keyword 11")
    }

    /// Keyword 12.
    #[on_message(text = "keyword 12", ignore_case)]
    async fn keyword_12(&self) -> Reply {
        Reply::text("keyword 12")
    }

    /// Keyword 13.
    #[on_message(text = "keyword 13", ignore_case)]
    async fn keyword_13(&self) -> Reply {
        Reply::text("keyword 13")
    }

    /// Keyword 14.
    #[on_message(text = "keyword 14", ignore_case)]
    async fn keyword_14(&self) -> Reply {
        Reply::text("keyword 14")
    }

    /// Keyword 15.
    #[on_message(text = "keyword 15", ignore_case)]
    async fn keyword_15(&self) -> Reply {
        Reply::text("keyword 15")
    }

    /// Keyword 16.
    #[on_message(text = "keyword 16", ignore_case)]
    async fn keyword_16(&self) -> Reply {
        Reply::text("keyword 16")
    }

    /// Keyword 17.
    #[on_message(text = "keyword 17", ignore_case)]
    async fn keyword_17(&self) -> Reply {
        Reply::text("keyword 17")
    }

    /// Keyword 18.
    #[on_message(text = "keyword 18", ignore_case)]
    async fn keyword_18(&self) -> Reply {
        Reply::text("keyword 18")
    }

    /// Keyword 19.
    #[on_message(text = "keyword 19", ignore_case)]
    async fn keyword_19(&self) -> Reply {
        Reply::text("keyword 19")
    }

    /// Keyword 20.
    #[on_message(text = "keyword 20", ignore_case)]
    async fn keyword_20(&self) -> Reply {
        Reply::text("keyword 20")
    }

    /// Keyword 21.
    #[on_message(text = "keyword 21", ignore_case)]
    async fn keyword_21(&self) -> Reply {
        Reply::text("keyword 21")
    }

    /// Keyword 22.
    #[on_message(text = "keyword 22", ignore_case)]
    async fn keyword_22(&self) -> Reply {
        Reply::text("keyword 22")
    }

    /// Keyword 23.
    #[on_message(text = "keyword 23", ignore_case)]
    async fn keyword_23(&self) -> Reply {
        Reply::text("keyword 23")
    }

    /// Keyword 24.
    #[on_message(text = "keyword 24", ignore_case)]
    async fn keyword_24(&self) -> Reply {
        Reply::text("keyword 24")
    }

    /// Keyword 25.
    #[on_message(text = "keyword 25", ignore_case)]
    async fn keyword_25(&self) -> Reply {
        Reply::text("keyword 25")
    }

    /// Keyword 26.
    #[on_message(text = "keyword 26", ignore_case)]
    async fn keyword_26(&self) -> Reply {
        Reply::text("keyword 26")
    }

    /// Keyword 27.
    #[on_message(text = "keyword 27", ignore_case)]
    async fn keyword_27(&self) -> Reply {
        Reply::text("keyword 27")
    }

    /// Keyword 28.
    #[on_message(text = "keyword 28", ignore_case)]
    async fn keyword_28(&self) -> Reply {
        Reply::text("keyword 28")
    }

    /// Keyword 29.
    #[on_message(text = "keyword 29", ignore_case)]
    async fn keyword_29(&self) -> Reply {
        Reply::text("keyword 29")
    }

    /// Keyword 30.
    #[on_message(text = "keyword 30", ignore_case)]
    async fn keyword_30(&self) -> Reply {
        Reply::text("keyword 30")
    }

    /// Keyword 31.
    #[on_message(text = "keyword 31", ignore_case)]
    async fn keyword_31(&self) -> Reply {
        Reply::text("keyword 31")
    }

    /// Keyword 32.
    #[on_message(text = "keyword 32", ignore_case)]
    async fn keyword_32(&self) -> Reply {
        Reply::text("keyword 32")
    }

    /// Keyword 33.
    #[on_message(text = "keyword 33", ignore_case)]
    async fn keyword_33(&self) -> Reply {
        Reply::text("keyword 33")
    }

    /// Keyword 34.
    #[on_message(text = "keyword 34", ignore_case)]
    async fn keyword_34(&self) -> Reply {
        Reply::text("keyword 34")
    }

    /// Keyword 35.
    #[on_message(text = "keyword 35", ignore_case)]
    async fn keyword_35(&self) -> Reply {
        Reply::text("keyword 35")
    }

    /// Keyword 36.
    #[on_message(text = "keyword 36", ignore_case)]
    async fn keyword_36(&self) -> Reply {
        Reply::text("keyword 36")
    }

    /// Keyword 37.
    #[on_message(text = "keyword 37", ignore_case)]
    async fn keyword_37(&self) -> Reply {
        Reply::text("keyword 37")
    }

    /// Keyword 38.
    #[on_message(text = "keyword 38", ignore_case)]
    async fn keyword_38(&self) -> Reply {
        Reply::text("keyword 38")
    }

    /// Keyword 39.
    #[on_message(text = "keyword 39", ignore_case)]
    async fn keyword_39(&self) -> Reply {
        Reply::text("keyword 39")
    }

    /// Keyword 40.
    #[on_message(text = "keyword 40", ignore_case)]
    async fn keyword_40(&self) -> Reply {
        Reply::text("keyword 40")
    }

    /// Keyword 41.
    #[on_message(text = "keyword 41", ignore_case)]
    async fn keyword_41(&self) -> Reply {
        Reply::text("keyword 41")
    }

    /// Keyword 42.
    #[on_message(text = "keyword 42", ignore_case)]
    async fn keyword_42(&self) -> Reply {
        Reply::text("keyword 42")
    }

    /// Keyword 43.
    #[on_message(text = "keyword 43", ignore_case)]
    async fn keyword_43(&self) -> Reply {
        Reply::text("keyword 43")
    }

    /// Keyword 44.
    #[on_message(text = "keyword 44", ignore_case)]
    async fn keyword_44(&self) -> Reply {
        Reply::text("keyword 44")
    }

    /// Keyword 45.
    #[on_message(text = "keyword 45", ignore_case)]
    async fn keyword_45(&self) -> Reply {
        Reply::text("keyword 45")
    }

    /// Keyword 46.
    #[on_message(text = "keyword 46", ignore_case)]
    async fn keyword_46(&self) -> Reply {
        Reply::text("keyword 46")
    }

    /// Keyword 47.
    #[on_message(text = "keyword 47", ignore_case)]
    async fn keyword_47(&self) -> Reply {
        Reply::text("keyword 47")
    }

    /// Keyword 48.
    #[on_message(text = "keyword 48", ignore_case)]
    async fn keyword_48(&self) -> Reply {
        Reply::text("keyword 48")
    }

    /// Keyword 49.
    #[on_message(text = "keyword 49", ignore_case)]
    async fn keyword_49(&self) -> Reply {
        Reply::text("keyword 49")
    }

    /// A count of kind 00.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind00$")]
    async fn count_00(&self, n: u32) -> Reply {
        Reply::text(format!("count 00: {n}"))
    }

    /// A count of kind 01.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind01$")]
    async fn count_01(&self, n: u32) -> Reply {
        Reply::text(format!("count 01: {n}"))
    }

    /// A count of kind 02.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind02$")]
    async fn count_02(&self, n: u32) -> Reply {
        Reply::text(format!("count 02: {n}"))
    }

    /// A count of kind 03.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind03$")]
    async fn count_03(&self, n: u32) -> Reply {
        Reply::text(format!("count 03: {n}"))
    }

    /// A count of kind 04.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind04$")]
    async fn count_04(&self, n: u32) -> Reply {
        Reply::text(format!("count 04: {n}"))
    }

    /// A count of kind 05.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind05$")]
    async fn count_05(&self, n: u32) -> Reply {
        Reply::text(format!("count 05: {n}"))
    }

    /// A count of kind 06.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind06$")]
    async fn count_06(&self, n: u32) -> Reply {
        Reply::text(format!("count 06: {n}"))
    }

    /// A count of kind 07.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind07$")]
    async fn count_07(&self, n: u32) -> Reply {
        Reply::text(format!("count 07: {n}"))
    }

    /// A count of kind 08.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind08$")]
    async fn count_08(&self, n: u32) -> Reply {
        Reply::text(format!("count 08: {n}"))
    }

    /// A count of kind 09.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind09$")]
    async fn count_09(&self, n: u32) -> Reply {
        Reply::text(format!("count 09: {n}"))
    }

    /// A count of kind 10.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind10$")]
    async fn count_10(&self, n: u32) -> Reply {
        Reply::text(format!("count 10: {n}"))
    }

    /// A count of kind 11.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind11$")]
    async fn count_11(&self, n: u32) -> Reply {
        Reply::text(format!("count 11: {n}"))
    }

    /// A count of kind 12.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind12$")]
    async fn count_12(&self, n: u32) -> Reply {
        Reply::text(format!("count 12: {n}"))
    }

    /// A count of kind 13.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind13$")]
    async fn count_13(&self, n: u32) -> Reply {
        Reply::text(format!("count 13: {n}"))
    }

    /// A count of kind 14.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind14$")]
    async fn count_14(&self, n: u32) -> Reply {
        Reply::text(format!("count 14: {n}"))
    }

    /// A count of kind 15.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind15$")]
    async fn count_15(&self, n: u32) -> Reply {
        Reply::text(format!("count 15: {n}"))
    }

    /// A count of kind 16.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind16$")]
    async fn count_16(&self, n: u32) -> Reply {
        Reply::text(format!("count 16: {n}"))
    }

    /// A count of kind 17.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind17$")]
    async fn count_17(&self, n: u32) -> Reply {
        Reply::text(format!("count 17: {n}"))
    }

    /// A count of kind 18.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind18$")]
    async fn count_18(&self, n: u32) -> Reply {
        Reply::text(format!("count 18: {n}"))
    }

    /// A count of kind 19.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind19$")]
    async fn count_19(&self, n: u32) -> Reply {
        Reply::text(format!("count 19: {n}"))
    }

    /// A count of kind 20.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind20$")]
    async fn count_20(&self, n: u32) -> Reply {
        Reply::text(format!("count 20: {n}"))
    }

    /// A count of kind 21.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind21$")]
    async fn count_21(&self, n: u32) -> Reply {
        Reply::text(format!("count 21: {n}"))
    }

    /// A count of kind 22.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind22$")]
    async fn count_22(&self, n: u32) -> Reply {
        Reply::text(format!("count 22: {n}"))
    }

    /// A count of kind 23.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind23$")]
    async fn count_23(&self, n: u32) -> Reply {
        Reply::text(format!("count 23: {n}"))
    }

    /// A count of kind 24.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind24$")]
    async fn count_24(&self, n: u32) -> Reply {
        Reply::text(format!("count 24: {n}"))
    }

    /// A count of kind 25.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind25$")]
    async fn count_25(&self, n: u32) -> Reply {
        Reply::text(format!("count 25: {n}"))
    }

    /// A count of kind 26.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind26$")]
    async fn count_26(&self, n: u32) -> Reply {
        Reply::text(format!("count 26: {n}"))
    }

    /// A count of kind 27.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind27$")]
    async fn count_27(&self, n: u32) -> Reply {
        Reply::text(format!("count 27: {n}"))
    }

    /// A count of kind 28.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind28$")]
    async fn count_28(&self, n: u32) -> Reply {
        Reply::text(format!("count 28: {n}"))
    }

    /// A count of kind 29.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind29$")]
    async fn count_29(&self, n: u32) -> Reply {
        Reply::text(format!("count 29: {n}"))
    }

    /// A count of kind 30.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind30$")]
    async fn count_30(&self, n: u32) -> Reply {
        Reply::text(format!("count 30: {n}"))
    }

    /// A count of kind 31.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind31$")]
    async fn count_31(&self, n: u32) -> Reply {
        Reply::text(format!("count 31: {n}"))
    }

    /// A count of kind 32.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind32$")]
    async fn count_32(&self, n: u32) -> Reply {
        Reply::text(format!("count 32: {n}"))
    }

    /// A count of kind 33.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind33$")]
    async fn count_33(&self, n: u32) -> Reply {
        Reply::text(format!("count 33: {n}"))
    }

    /// A count of kind 34.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind34$")]
    async fn count_34(&self, n: u32) -> Reply {
        Reply::text(format!("count 34: {n}"))
    }

    /// A count of kind 35.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind35$")]
    async fn count_35(&self, n: u32) -> Reply {
        Reply::text(format!("count 35: {n}"))
    }

    /// A count of kind 36.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind36$")]
    async fn count_36(&self, n: u32) -> Reply {
        Reply::text(format!("count 36: {n}"))
    }

    /// A count of kind 37.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind37$")]
    async fn count_37(&self, n: u32) -> Reply {
        Reply::text(format!("count 37: {n}"))
    }

    /// A count of kind 38.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind38$")]
    async fn count_38(&self, n: u32) -> Reply {
        Reply::text(format!("count 38: {n}"))
    }

    /// A count of kind 39.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind39$")]
    async fn count_39(&self, n: u32) -> Reply {
        Reply::text(format!("count 39: {n}"))
    }

    /// A count of kind 40.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind40$")]
    async fn count_40(&self, n: u32) -> Reply {
        Reply::text(format!("count 40: {n}"))
    }

    /// A count of kind 41.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind41$")]
    async fn count_41(&self, n: u32) -> Reply {
        Reply::text(format!("count 41: {n}"))
    }

    /// A count of kind 42.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind42$")]
    async fn count_42(&self, n: u32) -> Reply {
        Reply::text(format!("count 42: {n}"))
    }

    /// A count of kind 43.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind43$")]
    async fn count_43(&self, n: u32) -> Reply {
        Reply::text(format!("count 43: {n}"))
    }

    /// A count of kind 44.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind44$")]
    async fn count_44(&self, n: u32) -> Reply {
        Reply::text(format!("count 44: {n}"))
    }

    /// A count of kind 45.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind45$")]
    async fn count_45(&self, n: u32) -> Reply {
        Reply::text(format!("count 45: {n}"))
    }

    /// A count of kind 46.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind46$")]
    async fn count_46(&self, n: u32) -> Reply {
        Reply::text(format!("count 46: {n}"))
    }

    /// A count of kind 47.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind47$")]
    async fn count_47(&self, n: u32) -> Reply {
        Reply::text(format!("count 47: {n}"))
    }

    /// A count of kind 48.
    #[on_message(regex = r"^(?<n>\d{1,9}) kind48$")]
    async fn count_48(&self, n: u32) -> Reply {
        Reply::text(format!("count 48: {n}"))
    }

    /// A count of kind 49.
    #[on_message(regex = r"^(?<n>\d{1,9}) apples$")]
    async fn count_49(&self, n: u32) -> Reply {
        Reply::text(format!("count 49: {n}"))
    }

    /// Choice 00, with a number.
    #[on_message(postback = "t00:{n}")]
    async fn choice_00(&self, n: u32) -> Reply {
        Reply::text(format!("choice 00: {n}"))
    }

    /// Choice 01, with a number.
    #[on_message(postback = "t01:{n}")]
    async fn choice_01(&self, n: u32) -> Reply {
        Reply::text(format!("choice 01: {n}"))
    }

    /// Choice 02, with a number.
    #[on_message(postback = "t02:{n}")]
    async fn choice_02(&self, n: u32) -> Reply {
        Reply::text(format!("choice 02: {n}"))
    }

    /// Choice 03, with a number.
    #[on_message(postback = "t03:{n}")]
    async fn choice_03(&self, n: u32) -> Reply {
        Reply::text(format!("choice 03: {n}"))
    }

    /// Choice 04, with a number.
    #[on_message(postback = "t04:{n}")]
    async fn choice_04(&self, n: u32) -> Reply {
        Reply::text(format!("choice 04: {n}"))
    }

    /// Choice 05, with a number.
    #[on_message(postback = "t05:{n}")]
    async fn choice_05(&self, n: u32) -> Reply {
        Reply::text(format!("choice 05: {n}"))
    }

    /// Choice 06, with a number.
    #[on_message(postback = "t06:{n}")]
    async fn choice_06(&self, n: u32) -> Reply {
        Reply::text(format!("choice 06: {n}"))
    }

    /// Choice 07, with a number.
    #[on_message(postback = "t07:{n}")]
    async fn choice_07(&self, n: u32) -> Reply {
        Reply::text(format!("choice 07: {n}"))
    }

    /// Choice 08, with a number.
    #[on_message(postback = "t08:{n}")]
    async fn choice_08(&self, n: u32) -> Reply {
        Reply::text(format!("choice 08: {n}"))
    }

    /// Choice 09, with a number.
    #[on_message(postback = "t09:{n}")]
    async fn choice_09(&self, n: u32) -> Reply {
        Reply::text(format!("choice 09: {n}"))
    }

    /// Choice 10, with a number.
    #[on_message(postback = "t10:{n}")]
    async fn choice_10(&self, n: u32) -> Reply {
        Reply::text(format!("choice 10: {n}"))
    }

    /// Choice 11, with a number.
    #[on_message(postback = "t11:{n}")]
    async fn choice_11(&self, n: u32) -> Reply {
        Reply::text(format!("choice 11: {n}"))
    }

    /// Choice 12, with a number.
    #[on_message(postback = "t12:{n}")]
    async fn choice_12(&self, n: u32) -> Reply {
        Reply::text(format!("choice 12: {n}"))
    }

    /// Choice 13, with a number.
    #[on_message(postback = "t13:{n}")]
    async fn choice_13(&self, n: u32) -> Reply {
        Reply::text(format!("choice 13: {n}"))
    }

    /// Choice 14, with a number.
    #[on_message(postback = "t14:{n}")]
    async fn choice_14(&self, n: u32) -> Reply {
        Reply::text(format!("choice 14: {n}"))
    }

    /// Choice 15, with a number.
    #[on_message(postback = "t15:{n}")]
    async fn choice_15(&self, n: u32) -> Reply {
        Reply::text(format!("choice 15: {n}"))
    }

    /// Choice 16, with a number.
    #[on_message(postback = "t16:{n}")]
    async fn choice_16(&self, n: u32) -> Reply {
        Reply::text(format!("choice 16: {n}"))
    }

    /// Choice 17, with a number.
    #[on_message(postback = "t17:{n}")]
    async fn choice_17(&self, n: u32) -> Reply {
        Reply::text(format!("choice 17: {n}"))
    }

    /// Choice 18, with a number.
    #[on_message(postback = "t18:{n}")]
    async fn choice_18(&self, n: u32) -> Reply {
        Reply::text(format!("choice 18: {n}"))
    }

    /// Choice 19, with a number.
    #[on_message(postback = "t19:{n}")]
    async fn choice_19(&self, n: u32) -> Reply {
        Reply::text(format!("choice 19: {n}"))
    }

    /// Choice 20, with a number.
    #[on_message(postback = "t20:{n}")]
    async fn choice_20(&self, n: u32) -> Reply {
        Reply::text(format!("choice 20: {n}"))
    }

    /// Choice 21, with a number.
    #[on_message(postback = "t21:{n}")]
    async fn choice_21(&self, n: u32) -> Reply {
        Reply::text(format!("choice 21: {n}"))
    }

    /// Choice 22, with a number.
    #[on_message(postback = "t22:{n}")]
    async fn choice_22(&self, n: u32) -> Reply {
        Reply::text(format!("choice 22: {n}"))
    }

    /// Choice 23, with a number.
    #[on_message(postback = "t23:{n}")]
    async fn choice_23(&self, n: u32) -> Reply {
        Reply::text(format!("choice 23: {n}"))
    }

    /// Choice 24, with a number.
    #[on_message(postback = "t24:{n}")]
    async fn choice_24(&self, n: u32) -> Reply {
        Reply::text(format!("choice 24: {n}"))
    }

    /// Choice 25, with a number.
    #[on_message(postback = "t25:{n}")]
    async fn choice_25(&self, n: u32) -> Reply {
        Reply::text(format!("choice 25: {n}"))
    }

    /// Choice 26, with a number.
    #[on_message(postback = "t26:{n}")]
    async fn choice_26(&self, n: u32) -> Reply {
        Reply::text(format!("choice 26: {n}"))
    }

    /// Choice 27, with a number.
    #[on_message(postback = "t27:{n}")]
    async fn choice_27(&self, n: u32) -> Reply {
        Reply::text(format!("choice 27: {n}"))
    }

    /// Choice 28, with a number.
    #[on_message(postback = "t28:{n}")]
    async fn choice_28(&self, n: u32) -> Reply {
        Reply::text(format!("choice 28: {n}"))
    }

    /// Choice 29, with a number.
    #[on_message(postback = "t29:{n}")]
    async fn choice_29(&self, n: u32) -> Reply {
        Reply::text(format!("choice 29: {n}"))
    }

    /// Choice 30, with a number.
    #[on_message(postback = "t30:{n}")]
    async fn choice_30(&self, n: u32) -> Reply {
        Reply::text(format!("choice 30: {n}"))
    }

    /// Choice 31, with a number.
    #[on_message(postback = "t31:{n}")]
    async fn choice_31(&self, n: u32) -> Reply {
        Reply::text(format!("choice 31: {n}"))
    }

    /// Choice 32, with a number.
    #[on_message(postback = "t32:{n}")]
    async fn choice_32(&self, n: u32) -> Reply {
        Reply::text(format!("choice 32: {n}"))
    }

    /// Choice 33, with a number.
    #[on_message(postback = "t33:{n}")]
    async fn choice_33(&self, n: u32) -> Reply {
        Reply::text(format!("choice 33: {n}"))
    }

    /// Choice 34, with a number.
    #[on_message(postback = "t34:{n}")]
    async fn choice_34(&self, n: u32) -> Reply {
        Reply::text(format!("choice 34: {n}"))
    }

    /// Choice 35, with a number.
    #[on_message(postback = "t35:{n}")]
    async fn choice_35(&self, n: u32) -> Reply {
        Reply::text(format!("choice 35: {n}"))
    }

    /// Choice 36, with a number.
    #[on_message(postback = "t36:{n}")]
    async fn choice_36(&self, n: u32) -> Reply {
        Reply::text(format!("choice 36: {n}"))
    }

    /// Choice 37, with a number.
    #[on_message(postback = "t37:{n}")]
    async fn choice_37(&self, n: u32) -> Reply {
        Reply::text(format!("choice 37: {n}"))
    }

    /// Choice 38, with a number.
    #[on_message(postback = "t38:{n}")]
    async fn choice_38(&self, n: u32) -> Reply {
        Reply::text(format!("choice 38: {n}"))
    }

    /// Choice 39, with a number.
    #[on_message(postback = "t39:{n}")]
    async fn choice_39(&self, n: u32) -> Reply {
        Reply::text(format!("choice 39: {n}"))
    }

    /// Choice 40, with a number.
    #[on_message(postback = "t40:{n}")]
    async fn choice_40(&self, n: u32) -> Reply {
        Reply::text(format!("choice 40: {n}"))
    }

    /// Choice 41, with a number.
    #[on_message(postback = "t41:{n}")]
    async fn choice_41(&self, n: u32) -> Reply {
        Reply::text(format!("choice 41: {n}"))
    }

    /// Choice 42, with a number.
    #[on_message(postback = "t42:{n}")]
    async fn choice_42(&self, n: u32) -> Reply {
        Reply::text(format!("choice 42: {n}"))
    }

    /// Choice 43, with a number.
    #[on_message(postback = "t43:{n}")]
    async fn choice_43(&self, n: u32) -> Reply {
        Reply::text(format!("choice 43: {n}"))
    }

    /// Choice 44, with a number.
    #[on_message(postback = "t44:{n}")]
    async fn choice_44(&self, n: u32) -> Reply {
        Reply::text(format!("choice 44: {n}"))
    }

    /// Choice 45, with a number.
    #[on_message(postback = "t45:{n}")]
    async fn choice_45(&self, n: u32) -> Reply {
        Reply::text(format!("choice 45: {n}"))
    }

    /// Choice 46, with a number.
    #[on_message(postback = "t46:{n}")]
    async fn choice_46(&self, n: u32) -> Reply {
        Reply::text(format!("choice 46: {n}"))
    }

    /// Choice 47, with a number.
    #[on_message(postback = "t47:{n}")]
    async fn choice_47(&self, n: u32) -> Reply {
        Reply::text(format!("choice 47: {n}"))
    }

    /// Choice 48, with a number.
    #[on_message(postback = "t48:{n}")]
    async fn choice_48(&self, n: u32) -> Reply {
        Reply::text(format!("choice 48: {n}"))
    }

    /// Choice 49, with a number.
    #[on_message(postback = "t49:{n}")]
    async fn choice_49(&self, n: u32) -> Reply {
        Reply::text(format!("choice 49: {n}"))
    }

    /// Command 00, with the rest of the text.
    #[on_message(prefix = "/p00")]
    async fn command_00(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 00: {rest}"))
    }

    /// Command 01, with the rest of the text.
    #[on_message(prefix = "/p01")]
    async fn command_01(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 01: {rest}"))
    }

    /// Command 02, with the rest of the text.
    #[on_message(prefix = "/p02")]
    async fn command_02(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 02: {rest}"))
    }

    /// Command 03, with the rest of the text.
    #[on_message(prefix = "/p03")]
    async fn command_03(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 03: {rest}"))
    }

    /// Command 04, with the rest of the text.
    #[on_message(prefix = "/p04")]
    async fn command_04(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 04: {rest}"))
    }

    /// Command 05, with the rest of the text.
    #[on_message(prefix = "/p05")]
    async fn command_05(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 05: {rest}"))
    }

    /// Command 06, with the rest of the text.
    #[on_message(prefix = "/p06")]
    async fn command_06(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 06: {rest}"))
    }

    /// Command 07, with the rest of the text.
    #[on_message(prefix = "/p07")]
    async fn command_07(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 07: {rest}"))
    }

    /// Command 08, with the rest of the text.
    #[on_message(prefix = "/p08")]
    async fn command_08(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 08: {rest}"))
    }

    /// Command 09, with the rest of the text.
    #[on_message(prefix = "/p09")]
    async fn command_09(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 09: {rest}"))
    }

    /// Command 10, with the rest of the text.
    #[on_message(prefix = "/p10")]
    async fn command_10(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 10: {rest}"))
    }

    /// Command 11, with the rest of the text.
    #[on_message(prefix = "/p11")]
    async fn command_11(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 11: {rest}"))
    }

    /// Command 12, with the rest of the text.
    #[on_message(prefix = "/p12")]
    async fn command_12(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 12: {rest}"))
    }

    /// Command 13, with the rest of the text.
    #[on_message(prefix = "/p13")]
    async fn command_13(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 13: {rest}"))
    }

    /// Command 14, with the rest of the text.
    #[on_message(prefix = "/p14")]
    async fn command_14(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 14: {rest}"))
    }

    /// Command 15, with the rest of the text.
    #[on_message(prefix = "/p15")]
    async fn command_15(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 15: {rest}"))
    }

    /// Command 16, with the rest of the text.
    #[on_message(prefix = "/p16")]
    async fn command_16(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 16: {rest}"))
    }

    /// Command 17, with the rest of the text.
    #[on_message(prefix = "/p17")]
    async fn command_17(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 17: {rest}"))
    }

    /// Command 18, with the rest of the text.
    #[on_message(prefix = "/p18")]
    async fn command_18(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 18: {rest}"))
    }

    /// Command 19, with the rest of the text.
    #[on_message(prefix = "/p19")]
    async fn command_19(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 19: {rest}"))
    }

    /// Command 20, with the rest of the text.
    #[on_message(prefix = "/p20")]
    async fn command_20(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 20: {rest}"))
    }

    /// Command 21, with the rest of the text.
    #[on_message(prefix = "/p21")]
    async fn command_21(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 21: {rest}"))
    }

    /// Command 22, with the rest of the text.
    #[on_message(prefix = "/p22")]
    async fn command_22(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 22: {rest}"))
    }

    /// Command 23, with the rest of the text.
    #[on_message(prefix = "/p23")]
    async fn command_23(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 23: {rest}"))
    }

    /// Command 24, with the rest of the text.
    #[on_message(prefix = "/p24")]
    async fn command_24(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 24: {rest}"))
    }

    /// Command 25, with the rest of the text.
    #[on_message(prefix = "/p25")]
    async fn command_25(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 25: {rest}"))
    }

    /// Command 26, with the rest of the text.
    #[on_message(prefix = "/p26")]
    async fn command_26(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 26: {rest}"))
    }

    /// Command 27, with the rest of the text.
    #[on_message(prefix = "/p27")]
    async fn command_27(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 27: {rest}"))
    }

    /// Command 28, with the rest of the text.
    #[on_message(prefix = "/p28")]
    async fn command_28(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 28: {rest}"))
    }

    /// Command 29, with the rest of the text.
    #[on_message(prefix = "/p29")]
    async fn command_29(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 29: {rest}"))
    }

    /// Command 30, with the rest of the text.
    #[on_message(prefix = "/p30")]
    async fn command_30(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 30: {rest}"))
    }

    /// Command 31, with the rest of the text.
    #[on_message(prefix = "/p31")]
    async fn command_31(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 31: {rest}"))
    }

    /// Command 32, with the rest of the text.
    #[on_message(prefix = "/p32")]
    async fn command_32(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 32: {rest}"))
    }

    /// Command 33, with the rest of the text.
    #[on_message(prefix = "/p33")]
    async fn command_33(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 33: {rest}"))
    }

    /// Command 34, with the rest of the text.
    #[on_message(prefix = "/p34")]
    async fn command_34(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 34: {rest}"))
    }

    /// Command 35, with the rest of the text.
    #[on_message(prefix = "/p35")]
    async fn command_35(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 35: {rest}"))
    }

    /// Command 36, with the rest of the text.
    #[on_message(prefix = "/p36")]
    async fn command_36(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 36: {rest}"))
    }

    /// Command 37, with the rest of the text.
    #[on_message(prefix = "/p37")]
    async fn command_37(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 37: {rest}"))
    }

    /// Command 38, with the rest of the text.
    #[on_message(prefix = "/p38")]
    async fn command_38(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 38: {rest}"))
    }

    /// Command 39, with the rest of the text.
    #[on_message(prefix = "/p39")]
    async fn command_39(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 39: {rest}"))
    }

    /// Command 40, with the rest of the text.
    #[on_message(prefix = "/p40")]
    async fn command_40(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 40: {rest}"))
    }

    /// Command 41, with the rest of the text.
    #[on_message(prefix = "/p41")]
    async fn command_41(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 41: {rest}"))
    }

    /// Command 42, with the rest of the text.
    #[on_message(prefix = "/p42")]
    async fn command_42(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 42: {rest}"))
    }

    /// Command 43, with the rest of the text.
    #[on_message(prefix = "/p43")]
    async fn command_43(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 43: {rest}"))
    }

    /// Command 44, with the rest of the text.
    #[on_message(prefix = "/p44")]
    async fn command_44(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 44: {rest}"))
    }

    /// Command 45, with the rest of the text.
    #[on_message(prefix = "/p45")]
    async fn command_45(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 45: {rest}"))
    }

    /// Command 46, with the rest of the text.
    #[on_message(prefix = "/p46")]
    async fn command_46(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 46: {rest}"))
    }

    /// Command 47, with the rest of the text.
    #[on_message(prefix = "/p47")]
    async fn command_47(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 47: {rest}"))
    }

    /// Command 48, with the rest of the text.
    #[on_message(prefix = "/p48")]
    async fn command_48(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 48: {rest}"))
    }

    /// Command 49, with the rest of the text.
    #[on_message(prefix = "/p49")]
    async fn command_49(&self, rest: Rest) -> Reply {
        Reply::text(format!("command 49: {rest}"))
    }

    /// Any message no other route took.
    #[on_message]
    async fn fallback(&self) -> Reply {
        Reply::text("fallback")
    }
}

#[tokio::main]
async fn main() -> Result<(), rbm_runtime::Error> {
    rbm_runtime::serve_from_env(ManyRoutes).await
}
