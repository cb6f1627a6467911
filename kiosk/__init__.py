"""QR check-in kiosk: the Qt-free core (frames → text → credential → verdict → entry → sync)."""

__version__ = "0.1.0"
