"""The analytics screen: sales trend, best sellers, regions and traffic sources as terminal charts."""
