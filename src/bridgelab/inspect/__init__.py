"""Reading one run, or two side by side: `bridgelab show` and `bridgelab diff`."""
