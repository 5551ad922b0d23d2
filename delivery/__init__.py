"""After the deal: each agreed provision of a deal, and the reports on its delivery."""
