//! The program's allocator, with the `mimalloc` feature (on by default).
//!
//! A delivery makes about forty small allocations (the payload's strings,
//! the reply, futures, the response). With glibc's allocator they cost 16 %
//! of a request's instructions, and every buffer of a few kilobytes makes it
//! sweep its free lists; mimalloc's thread-local free lists make them cheap.
//! A program that declares its own `#[global_allocator]` turns the feature
//! off (`default-features = false`): Rust allows only one.

/// mimalloc, for every allocation of the program.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
