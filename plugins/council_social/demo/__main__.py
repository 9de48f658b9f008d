import sys

from council_social.demo.run import DemoFailed, main

try:
    main()
except DemoFailed as exc:
    print(f"\nDemo failed: {exc}", file=sys.stderr)
    sys.exit(1)
