#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hoshi_fuzz::checks::jws::check(data));
