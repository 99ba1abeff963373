"""The chip: the crossbar base and static chip, the temporal chip, saving and loading."""
