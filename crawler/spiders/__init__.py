# Spiders. https://docs.scrapy.org/en/latest/topics/spiders.html
"""One spider, `NewsSpider`, routes every discovery channel to the generic article callback."""
