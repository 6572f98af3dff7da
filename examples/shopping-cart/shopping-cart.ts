import { defineJob, SluiceError, type KeyValueStore } from '../../shared/api/index.js';

/** What a cart command looks like on the `cart-commands` topic (JSON). */
export type CartCommand =
  | { readonly user: string; readonly op: 'add'; readonly item: string; readonly qty: number }
  | { readonly user: string; readonly op: 'remove'; readonly item: string; readonly qty: number }
  | { readonly user: string; readonly op: 'clear' }
  | { readonly user: string; readonly op: 'show' };

export interface Cart {
  readonly items: Readonly<Record<string, number>>;
}

/**
 * A cart per user: `add` and `remove` update it (get → update → put), `clear` deletes it (a
 * tombstone in the store's changelog and in the `carts` output), `show` emits it to `cart-views`.
 * The `carts` output always holds the latest cart per user, so it is a compacted view of the store.
 */
export default defineJob({
  task: () => {
    let carts: KeyValueStore<string, Cart>;
    return {
      init(context) {
        carts = context.getStore('carts');
      },
      async process(envelope, collector) {
        const command = envelope.value as CartCommand;
        if (typeof command?.user !== 'string') {
          throw new SluiceError('CART_BAD_COMMAND', `expected {user, op, …}, got ${JSON.stringify(command)}`);
        }
        const { user } = command;
        if (command.op === 'clear') {
          await carts.delete(user);
          collector.send({ topic: 'carts', key: user, value: null });
          return;
        }
        const cart = (await carts.get(user)) ?? { items: {} };
        if (command.op === 'show') {
          collector.send({ topic: 'cart-views', key: user, value: cart });
          return;
        }
        const items = { ...cart.items };
        const change = command.op === 'add' ? command.qty : -command.qty;
        const qty = (items[command.item] ?? 0) + change;
        if (qty > 0) items[command.item] = qty;
        else delete items[command.item];
        if (Object.keys(items).length === 0) {
          await carts.delete(user);
          collector.send({ topic: 'carts', key: user, value: null });
        } else {
          await carts.put(user, { items });
          collector.send({ topic: 'carts', key: user, value: { items } });
        }
      },
    };
  },
});
