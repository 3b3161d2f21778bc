// Loads sql-worker.ts through tsx: a worker does not get the parent's --import hooks for its entry file.
import { register } from 'tsx/esm/api';

register();
await import('./sql-worker.ts');
