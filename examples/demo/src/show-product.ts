/** Scrolls the shop page to a product card and highlights it for a moment. */
export const productElementId = (productId: string) => `product-${productId}`

export function showProductCard(productId: string): void {
  const card = document.getElementById(productElementId(productId))
  if (!card) return
  card.scrollIntoView({ behavior: 'smooth', block: 'center' })
  card.classList.remove('product-card--flash')
  void card.offsetWidth // restart the animation
  card.classList.add('product-card--flash')
}
