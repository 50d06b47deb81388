// course overrides
