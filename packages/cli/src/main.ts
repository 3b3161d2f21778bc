// Runs the CLI from source (tests and `npm start` use this through tsx).
import { main } from './index.js';

process.exitCode = await main(process.argv);
