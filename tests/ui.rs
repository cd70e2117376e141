//! Compile-time errors of `#[rbm_agent]`: each case must fail with exactly
//! the committed `.stderr`. What must compile is in `tests/expansions.rs`.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/fail/*.rs");
}
