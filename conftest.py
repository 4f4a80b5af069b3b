"""pytest configuration for the whole repository, notebooks included."""


def pytest_collection_modifyitems(items):
    # nbval waits only 5 s for a cell's remaining output messages once the cell has finished; on a
    # busy 2-core machine the kernel can take longer to flush them (progress-bar updates, figures)
    # and a correct cell then fails with "Timeout of 5 seconds exceeded waiting for output".
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = 60
