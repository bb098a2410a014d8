// aiofetch is an ES module. `require("aiofetch")` resolves here (the "require"
// condition in package.json's exports) so that it fails saying what to do,
// rather than with Node's "No exports main defined".
"use strict";
throw new Error('aiofetch is ESM-only: use import (or await import("aiofetch") from CommonJS), not require("aiofetch")');
