"""Frames → texts: `Decoder` reads the QR codes in a frame, `RepeatFilter` keeps one reading per visit."""

from kiosk.decoding.decoder import Decoded, Decoder
from kiosk.decoding.repeats import RepeatFilter

__all__ = ["Decoded", "Decoder", "RepeatFilter"]
