"""The crawl's anchor: a bare Scrapy spider with plain trafilatura.extract on the same local site.

Reads the outlets' sitemaps, fetches every article and extracts its text, and nothing else (no
relevance, comparison, clustering or storage). Same concurrency and politeness settings as the
bench crawl. Run as `python -m bench.bare_spider SITEMAP_URL...`; prints one JSON line
{"fetched", "extracted", "seconds"}.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import scrapy
import trafilatura
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, sitemaps: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sitemaps = sitemaps
        self.fetched = self.extracted = 0

    async def start(self) -> Any:
        for url in self.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        response.selector.remove_namespaces()
        for loc in response.xpath("//url/loc/text()").getall():
            yield scrapy.Request(loc.strip(), callback=self.parse_article)

    def parse_article(self, response: Response) -> Iterator[dict]:
        self.fetched += 1
        text = trafilatura.extract(response.text, url=response.url)
        if text:
            self.extracted += 1
            yield {"url": response.url, "text": text}


def main(argv: list[str]) -> int:
    process = CrawlerProcess({
        "LOG_LEVEL": "INFO", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_DELAY": 0.0, "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
    })
    crawler = process.create_crawler(BareSpider)
    started = time.perf_counter()
    process.crawl(crawler, sitemaps=argv)
    process.start()
    spider = crawler.spider
    sys.stdout.write(json.dumps({"fetched": spider.fetched, "extracted": spider.extracted,
                                 "seconds": time.perf_counter() - started}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
