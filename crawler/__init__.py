"""Rasad crawler: discovery, extraction, relevance, comparison and storage of Arabic coverage."""
