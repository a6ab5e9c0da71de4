/** The mock shop: a header, the shopper's preferences and the product grid. */
import { useChatSelector } from 'companion-chat/react'
import { DEMO_PRODUCTS } from '../products'
import { PreferenceBar } from './PreferenceBar'
import { ProductCard } from './ProductCard'

export function ShopPage() {
  const preferences = useChatSelector((state) => state.userContext.preferences)
  const currentProducts = useChatSelector((state) => state.userContext.currentProducts)
  const maxBudget = preferences?.budget?.max

  return (
    <main className="shop">
      <header className="shop-header">
        <div className="shop-logo" aria-hidden="true">N</div>
        <div>
          <h1>Northwind Electronics</h1>
          <p className="muted">A pretend shop. Everything the help panel keeps stays in this browser.</p>
        </div>
        <a className="jump-to-panel" href="#companion-panel">
          Help &amp; chat ↓
        </a>
      </header>
      <PreferenceBar />
      <section className="product-grid" aria-label="Products">
        {DEMO_PRODUCTS.map((product) => (
          <ProductCard
            key={product.id}
            product={product}
            overBudget={maxBudget !== undefined && product.price > maxBudget}
            current={currentProducts?.includes(product.id) ?? false}
          />
        ))}
      </section>
    </main>
  )
}
