use rbm_runtime::prelude::*;

#[rbm_agent]
struct Bot;

#[rbm_agent(verbose)]
impl Bot {}

fn main() {}
