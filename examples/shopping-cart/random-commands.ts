import type { Cart, CartCommand } from './shopping-cart.js';

/**
 * Seeded random cart commands for `users` users (mostly adds, some removes, a few clears), keyed by
 * user so each user's commands stay in order on one partition, and the carts they leave when applied
 * in order. The MySQL cart's crash test checks its carts against these; `npm run stack -- --mysql`
 * feeds them. Deterministic, so a run can be repeated exactly.
 */
export function randomCartCommands(
  count: number,
  seed: number,
  users = 60,
): { messages: { key: string; value: string }[]; carts: Map<string, Cart> } {
  let state = seed;
  const random = (n: number) => Math.floor(((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
  const carts = new Map<string, Record<string, number>>();
  const messages = [];
  for (let i = 0; i < count; i++) {
    const user = `user${random(users)}`;
    const roll = random(20);
    const item = `item${random(8)}`;
    const command: CartCommand =
      roll === 0
        ? { user, op: 'clear' }
        : roll < 6
          ? { user, op: 'remove', item, qty: 1 + random(2) }
          : { user, op: 'add', item, qty: 1 + random(3) };
    const items = { ...(carts.get(user) ?? {}) };
    if (command.op === 'clear') carts.delete(user);
    else if (command.op === 'add' || command.op === 'remove') {
      const qty = (items[command.item] ?? 0) + (command.op === 'add' ? command.qty : -command.qty);
      if (qty > 0) items[command.item] = qty;
      else delete items[command.item];
      if (Object.keys(items).length === 0) carts.delete(user);
      else carts.set(user, items);
    }
    messages.push({ key: user, value: JSON.stringify(command) });
  }
  return { messages, carts: new Map([...carts].map(([user, items]) => [user, { items }])) };
}
