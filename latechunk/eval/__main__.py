from latechunk.eval.command import main

raise SystemExit(main())
