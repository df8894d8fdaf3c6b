module gomemlab/fixtures

go 1.19
