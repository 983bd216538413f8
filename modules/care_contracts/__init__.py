"""Care contracts: the services provided under people's care contracts, their rates, funders and finance codes,
bed allocation and absences, and the finance transactions and funder invoices made from them."""
