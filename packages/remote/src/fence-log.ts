import { randomBytes } from 'node:crypto';

/**
 * Test-clock ordering on the client side (see the server's test-clock/fences.ts). Each operation
 * gets a fence `<client>.<seq>` that travels with it; a fence stays outstanding until the
 * operation's answer arrives (or it fails to go out), and a ServerClock advance asks the server
 * to wait for the outstanding ones first. Only engines driven by a ServerClock keep one.
 */
export class FenceLog {
  readonly client = randomBytes(6).toString('hex');
  #seq = 0;
  readonly #outstanding = new Set<string>();

  begin(): string {
    const fence = `${this.client}.${++this.#seq}`;
    this.#outstanding.add(fence);
    return fence;
  }

  end(fence: string | undefined): void {
    if (fence !== undefined) this.#outstanding.delete(fence);
  }

  outstanding(): string[] {
    return [...this.#outstanding];
  }
}
