"""The kiosk's PySide6 window: it paints what `kiosk/` decided and forwards what the guard did."""
