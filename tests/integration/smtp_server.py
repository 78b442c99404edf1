"""Real SMTP servers (aiosmtpd) for tests (filled in by the SMTP adapter work)."""
