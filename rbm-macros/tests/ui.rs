//! Compile-time behaviour of `#[rbm_agent]`: what compiles, and the exact
//! errors (committed `.stderr`) for what does not.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
