"""Frames → texts: `Decoder` reads the QR codes in a frame, `RepeatFilter` keeps one reading per visit,
`VisitTiming` measures the share of visits read and the time from a code in view to its verdict."""

from kiosk.decoding.decoder import Decoded, Decoder
from kiosk.decoding.repeats import RepeatFilter
from kiosk.decoding.visit_timing import VisitFigures, VisitTiming

__all__ = ["Decoded", "Decoder", "RepeatFilter", "VisitFigures", "VisitTiming"]
