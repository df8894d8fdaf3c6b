use std::path::Path;

use super::*;
use crate::experiment::results;
use crate::fixture::Fixtures;

/// The recorded results folder, judged with the bundled experiments, and its plots.
fn recorded() -> (Vec<Column>, Plots) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let kept = results::load(&root.join("tests/data/results-go1.26.8")).expect("kept results");
    let exps = crate::experiment::load_dir(
        &root.join("experiments"),
        &Fixtures::bundled().expect("the bundled fixtures").names(),
    )
    .expect("experiments");
    let mut plots = Plots::default();
    plots.add_kept(&kept).expect("plots");
    let column = Column {
        go_version: kept.manifest.go_version.clone(),
        machine: kept.manifest.machine.clone(),
        results: kept.judge(&exps),
    };
    (vec![column], plots)
}

fn header() -> Header {
    Header {
        generated: "2026-11-25 18:00:00 UTC".into(),
        command: "gomemlab report <dir> & more".into(),
    }
}

#[test]
fn the_page_has_the_verdicts_claims_and_one_plot_per_row() {
    let (columns, plots) = recorded();
    let page = page(&columns, &plots, &header());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<h2>Verdicts</h2>"));
    for id in ["idle-rss-small", "hello-virt-vs-rss", "virt-reservation"] {
        assert!(page.contains(&format!("id=\"claim-{id}\"")), "{id}");
    }
    // The article's sentence and the bound of a claim, from the results.
    let says = &columns[0].results[0].cells[0].claims[0];
    let bound = maud::html! { (says.bound.as_deref().expect("a bound")) };
    assert!(page.contains(&bound.into_string()));
    assert!(page.contains(&maud::html! { (says.says) }.into_string()));
    // hello and idle: one settings row each, its first repeat plotted.
    assert_eq!(page.matches("<svg ").count(), 2);
    assert_eq!(page.matches("repeat 1").count(), 2);
    assert!(page.contains("class=\"chip holds\""));
    // Every section open: the table's links to claims land on them.
    let sections = page.matches("<details class=\"experiment\"").count();
    assert!(sections >= 2);
    assert_eq!(
        page.matches("<details class=\"experiment\" id=\"exp-")
            .count(),
        sections
    );
    let open = page
        .split("<details ")
        .skip(1)
        .filter(|d| d.split('>').next().is_some_and(|t| t.ends_with(" open")))
        .count();
    assert_eq!(open, sections, "every experiment is open");
    // Escaped, not markup.
    assert!(page.contains("gomemlab report &lt;dir&gt; &amp; more"));
}

#[test]
fn nothing_in_the_page_is_fetched() {
    let (columns, plots) = recorded();
    let page = page(&columns, &plots, &header());
    for outside in [
        "<link",
        "src=",
        "@import",
        "url(",
        "fetch(",
        "XMLHttpRequest",
        "import(",
    ] {
        assert!(!page.contains(outside), "`{outside}` in the page");
    }
    // Scripts inline only: uPlot, the page's script, and each plot's data.
    let scripts = page.matches("<script").count();
    assert_eq!(page.matches("<script>").count(), 2);
    assert_eq!(
        page.matches("<script class=\"plot-data\" type=\"application/json\">")
            .count(),
        scripts - 2
    );
    assert!(page.contains("uPlot (v1.6.32)"));
}

#[test]
fn each_plot_has_its_data_and_the_static_svg_for_readers_without_script() {
    let (columns, plots) = recorded();
    let page = page(&columns, &plots, &header());
    assert_eq!(
        page.matches("<figure class=\"run\"><div class=\"iplot\"></div>")
            .count(),
        2
    );
    assert_eq!(page.matches("<noscript><svg ").count(), 2);
    let at = page.find("class=\"plot-data\"").expect("plot data");
    let json = &page[at..];
    let json = &json[json.find('>').expect(">") + 1..json.find("</script>").expect("end")];
    let data: serde_json::Value = serde_json::from_str(json).expect("the data is JSON");
    assert_eq!(data["phases"][0]["name"], "started");
    assert!(data["t"].as_array().is_some_and(|t| t.len() > 10));
}

#[test]
fn a_page_without_plots_carries_no_script() {
    let (columns, _) = recorded();
    let page = page(&columns, &Plots::default(), &header());
    assert!(!page.contains("<script"));
}

#[test]
fn several_go_versions_make_the_matrix() {
    let (mut columns, plots) = recorded();
    let mut other = columns[0].clone();
    other.go_version = "go1.25.5".into();
    for r in &mut other.results {
        r.go_version = "go1.25.5".into();
    }
    columns.push(other);
    let page = page(&columns, &plots, &header());
    assert!(page.contains("<h2>Claims × versions</h2>"));
    let at = |s: &str| page.find(s).expect(s);
    // Columns by Go version, whatever the order given.
    assert!(at("<th>go1.25.5") < at("<th>go1.26.8"));
    assert!(page.contains("<span class=\"go\">go1.25.5</span>"));
    // A claim's checks: one table, each check once with a row per version.
    let claim = &page[at("id=\"claim-idle-rss-small\"")..];
    let claim = &claim[..claim.find("</table>").expect("a table")];
    assert_eq!(claim.matches("<table").count(), 1);
    let check = &columns[0]
        .results
        .iter()
        .find(|r| r.experiment == "idle")
        .expect("idle")
        .cells[0]
        .claims[0]
        .checks[0]
        .check;
    let check = maud::html! { (check) }.into_string();
    assert_eq!(claim.matches(&format!("<code>{check}</code>")).count(), 1);
    assert!(claim.contains("<td rowspan=\"2\">"), "{claim}");
    let go = "<td class=\"go\">";
    let versions: Vec<&str> = claim
        .match_indices(go)
        .map(|(i, _)| &claim[i + go.len()..i + go.len() + 8])
        .collect();
    assert_eq!(versions[..2], ["go1.25.5", "go1.26.8"]);
}

#[test]
fn text_from_files_is_escaped_and_a_failed_plot_says_why() {
    let (mut columns, mut plots) = recorded();
    columns[0].results[0].cells[0].claims[0].says = "<img src=x onerror=alert(1)>".into();
    let failed = Plot {
        repeat: 1,
        svg: Err("the plot could not be drawn: <why>".into()),
        data: Err("the plot could not be drawn: <why>".into()),
    };
    let column = (columns[0].go_version.as_str(), &columns[0].machine);
    plots.insert(column, ("hello", "defaults"), failed);
    let page = page(&columns, &plots, &header());
    assert!(!page.contains("<img"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("no plot: the plot could not be drawn: &lt;why&gt;"));
}
