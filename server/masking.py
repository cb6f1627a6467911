"""Personal data as the dashboard shows it: enough to tell entries apart, not enough to identify anyone.
The rule is the kiosk's own (kiosk.credentials.masking), so that a trace reads the same everywhere."""

from kiosk.credentials.masking import mask_person_key, mask_text

__all__ = ["mask_person_key", "mask_text"]
