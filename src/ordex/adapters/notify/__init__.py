"""Notification channels: e-mail through SMTP and signed CloudEvents webhooks."""
