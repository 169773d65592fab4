"""Running `backcheck serve` at boot on a Raspberry Pi: a systemd user unit."""
