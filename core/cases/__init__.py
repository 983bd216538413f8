"""Cases: the problems the council works on for people, each made of value or failure demands, with their end-to-end
time; and the case types administrators configure per department."""
