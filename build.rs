//! Rebuilds the crate when a bundled fixture or experiment changes: they are
//! compiled into the binary (`include_dir!` in src/fixture/bundle.rs).

fn main() {
    println!("cargo:rerun-if-changed=go-fixtures");
    println!("cargo:rerun-if-changed=experiments");
    println!("cargo:rerun-if-changed=build.rs");
}
