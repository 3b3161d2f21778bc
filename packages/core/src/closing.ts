import { setMaxListeners } from 'node:events';

/**
 * The controller of an engine's closing signal. Every poll or read waiting on the engine listens
 * to that signal (and stops listening when it ends), so many listeners at once are expected: past
 * ten, Node would print a "possible EventTarget memory leak" warning that is a false alarm.
 */
export function closingController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
