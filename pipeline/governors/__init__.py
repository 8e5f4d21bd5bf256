"""The termly governor pack (policy §7.2, §7.3, §17): anonymised, charted, costed, with compliance by section."""
