"""Who a visitor is, kept so that only the health authority can read it.

Shared by the kiosk and the server (pure: the standard library and `cryptography`, no database, no Qt):

- `weeks`: the ISO weeks the authority's keys and the watch list's keys rotate by.
- `tags`: keyed tags (HMAC-SHA256) that match a person without naming them: de-duplication, the watch list,
  visits and traces compare tags, never ID numbers or plain hashes of them.
- `boxes`: a symmetric box (AES-256-GCM) for what a party keeps for itself under its own secret.
- `authority`: the authority's key file and its signed set of weekly public keys.
- `seal`: an entry's personal fields sealed (HPKE, RFC 9180) to the authority's key of the week.
- `kept`: what of each format's fields is sealed, and what is dropped at the door.

docs/privacy.md says what each part protects against and what it does not.
"""
