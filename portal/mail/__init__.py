"""Outgoing e-mail: a queue table filled inside requests and drained by ``flask --app portal
send-mail`` (a systemd timer), so that no request waits for, or fails with, an SMTP server.

A message stays in the queue until the SMTP server accepted it; a failed attempt is retried with
exponential back-off (``MAIL_RETRY_SECONDS`` doubling up to ``MAIL_RETRY_MAX_SECONDS``) until
``MAIL_MAX_ATTEMPTS``, after which it is kept as *dead* for operators (``send-mail`` prints the
counts, ``/metrics`` has them as the gauge ``portal_mail_queue_messages``). A sent message is
deleted at once: the queue holds e-mail addresses, which are personal data.
"""
