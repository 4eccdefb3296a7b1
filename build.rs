//! Links the `mdbook-kpi` binary as a position-dependent executable on Linux with glibc (unless
//! `MDBOOK_KPI_PIE=1`). mdBook starts the preprocessor on every build and every save under `mdbook serve`: a
//! position-independent binary has about 27,000 relocations for the loader to apply at each start, which write
//! to half a megabyte of the binary's pages and make them the process's own memory; linked at a fixed address,
//! those pages stay shared with the file (0.5 MB less peak memory, see the guide's Speed page). The library,
//! the tests and the other binaries are built as usual; packagers who require PIE set `MDBOOK_KPI_PIE=1`.
fn main() {
    println!("cargo:rerun-if-env-changed=MDBOOK_KPI_PIE");
    println!("cargo:rerun-if-changed=build.rs");
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    let pie_asked = std::env::var("MDBOOK_KPI_PIE").is_ok_and(|value| value == "1");
    if linux_gnu && !pie_asked {
        println!("cargo:rustc-link-arg-bin=mdbook-kpi=-no-pie");
    }
}
