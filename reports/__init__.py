"""Rasad reports: digest model, rendering and mail delivery."""
