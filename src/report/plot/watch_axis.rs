//! The time axis of a `watch -- go run` plot starts when the program the go
//! command built started: the build before it has no data to show.

use super::figure;
use crate::report::series::recorded;
use crate::timeline::WatchInfo;

#[test]
fn a_go_run_watch_plot_starts_at_the_program_a_plain_one_at_spawn() {
    let mut tl = recorded();
    let first = tl.samples.first().expect("samples").t_ns;
    assert!(figure(&tl).start_s.abs() < 1e-12);
    // `go run`: the sampled process is a child of the command started.
    tl.watch = Some(WatchInfo {
        root_pid: 100,
        target_pid: Some(200),
        target_t_ns: first,
        ..WatchInfo::default()
    });
    let fig = figure(&tl);
    assert!(
        (fig.start_s - first as f64 / 1e9).abs() < 1e-9,
        "{}",
        fig.start_s
    );
    assert!(fig.rss.iter().all(|p| p.0 >= fig.start_s));
    assert!(fig.span_s() < fig.end_s);
    // The command itself sampled (a binary, `sh -c`): from spawn.
    if let Some(w) = &mut tl.watch {
        w.target_pid = Some(100);
    }
    assert!(figure(&tl).start_s.abs() < 1e-12);
    // Rendered: both formats draw with the shifted axis.
    for format in [super::Format::Svg, super::Format::Png] {
        let bytes = super::render(&tl, format).expect("the plot renders");
        assert!(bytes.len() > 1000);
    }
}
