"""The central server: receives the kiosks' entries, hands them their configuration, shows a dashboard."""
