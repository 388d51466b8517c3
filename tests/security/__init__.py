"""Security tests, one module per applicable risk of the OWASP API Security Top 10 (2023)."""
