#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hoshi_fuzz::checks::signed_note::check(data));
