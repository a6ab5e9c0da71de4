/**
 * One product. "Ask about this" puts the product into the user context and opens a
 * product-inquiry ticket for it (or the open one the shopper already has).
 */
import { useChatClient } from 'companion-chat/react'
import type { DemoProduct } from '../products'
import { formatPrice } from '../format'
import { productElementId } from '../show-product'
import { useNotices } from './NoticeProvider'
import { ProductIcon } from './ProductIcon'

interface ProductCardProps {
  readonly product: DemoProduct
  readonly overBudget: boolean
  /** The product is in the user context's `currentProducts`. */
  readonly current: boolean
}

export function ProductCard({ product, overBudget, current }: ProductCardProps) {
  const client = useChatClient()
  const { run } = useNotices()

  const askAbout = () =>
    run(() => {
      void client.updateUserContext({ currentProducts: [product.id], currentPage: `/products/${product.id}` })
      const existing = client
        .getState()
        .tickets.find(
          (ticket) =>
            ticket.type === 'product-inquiry' &&
            ticket.context['productId'] === product.id &&
            (ticket.status === 'open' || ticket.status === 'in-progress'),
        )
      const ticketId =
        existing?.id ??
        client.createTicket('product-inquiry', `Question about ${product.name}`, undefined, {
          productId: product.id,
          productName: product.name,
          price: product.price,
        })
      void client.selectTicket(ticketId)
      void client.switchChatView('tickets')
    })

  const classes = ['product-card', overBudget && 'product-card--over-budget', current && 'product-card--current']
  return (
    <article id={productElementId(product.id)} className={classes.filter(Boolean).join(' ')} aria-label={product.name}>
      <div className="product-image">
        <ProductIcon category={product.category} />
      </div>
      <div className="product-body">
        <p className="product-category">{product.category}</p>
        <h2 className="product-name">{product.name}</h2>
        <p className="product-description">{product.description}</p>
        <ul className="product-tags" aria-label="Tags">
          {product.tags?.map((tag) => <li key={tag}>{tag}</li>)}
        </ul>
      </div>
      <footer className="product-footer">
        <span className="product-price">{formatPrice(product.price, product.currency)}</span>
        {overBudget && <span className="product-note">over your budget</span>}
        {current && !overBudget && <span className="product-note product-note--current">you asked about this</span>}
        <button type="button" className="button button--secondary" onClick={askAbout}>
          Ask about this
        </button>
      </footer>
    </article>
  )
}
