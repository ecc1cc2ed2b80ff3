import sys
import adapters.console
from tests.adapters.console.console_fakes import X

def test_probe() -> None:
    print(adapters.console.__file__, X, [p for p in sys.path if "work" in p])
