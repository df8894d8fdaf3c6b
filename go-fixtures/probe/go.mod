module gomemlab.dev/probe

go 1.19
