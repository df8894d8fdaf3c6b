module gomemlab/fixtures

go 1.19

require gomemlab.dev/probe v0.0.0

// gomemlab carries the probe: no network, no version to fetch.
replace gomemlab.dev/probe => ./probe
