#!/usr/bin/env node
// The switchyard command. Runs the compiled CLI (built by `npm install` / `npm run build`).
import { main } from '../dist/index.js';

process.exitCode = await main(process.argv);
