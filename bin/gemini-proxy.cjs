#!/usr/bin/env node
'use strict';
// Node 22.1 and later keep V8's compiled code on disk between starts (a no-op on Node 20).
require('node:module').enableCompileCache?.();
// The npm-installed command: runs the bundle that `npm ci` / `npm install` built (prepare).
require('../dist/gemini-proxy.cjs');
