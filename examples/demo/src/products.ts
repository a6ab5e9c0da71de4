/**
 * The mock shop's catalogue. The same list is what the demo's shop assistant recommends
 * from (`Product` is the SDK's catalogue shape; the demo adds what a product card shows).
 */
import type { Product } from 'companion-chat'

/**
 * A product of the demo shop: the assistant's `Product`, with its currency and the line its
 * card shows (a `description`, which the assistant searches too).
 */
export interface DemoProduct extends Product {
  readonly currency: string
  readonly description: string
}

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  {
    id: 'lap-nimbus-15',
    name: 'Nimbus 15 Gaming Laptop',
    category: 'laptop',
    price: 1299,
    currency: 'USD',
    tags: ['gaming', 'rtx', 'backlit'],
    description: '15.6" 165 Hz display, RTX graphics, RGB backlit keyboard.',
  },
  {
    id: 'lap-aero-14',
    name: 'Aero 14 Ultrabook',
    category: 'laptop',
    price: 999,
    currency: 'USD',
    tags: ['office', 'lightweight'],
    description: '1.1 kg, 18-hour battery, made for travel and office work.',
  },
  {
    id: 'mon-vista-27',
    name: 'Vista 27" 4K Monitor',
    category: 'monitor',
    price: 329,
    currency: 'USD',
    tags: ['4k', 'office', 'usb-c'],
    description: 'IPS panel, USB-C with 65 W charging, height-adjustable stand.',
  },
  {
    id: 'hp-quiet-pro',
    name: 'Quiet Pro Headphones',
    category: 'headphones',
    price: 199,
    currency: 'USD',
    tags: ['wireless', 'noise-cancelling'],
    description: 'Active noise cancelling, 30 hours per charge, foldable.',
  },
  {
    id: 'kb-tactile-tkl',
    name: 'Tactile TKL Keyboard',
    category: 'keyboard',
    price: 89,
    currency: 'USD',
    tags: ['mechanical', 'backlit', 'gaming'],
    description: 'Tenkeyless, hot-swappable brown switches, white backlight.',
  },
  {
    id: 'mouse-swift',
    name: 'Swift Wireless Mouse',
    category: 'mouse',
    price: 49,
    currency: 'USD',
    tags: ['wireless', 'gaming'],
    description: '59 g, 26k DPI sensor, 70-hour battery.',
  },
]
